/*
 * The JSON form of the crypto cost table (models/codec/crypto-cost-table.h): reading with
 * validation, writing, and files. docs/crypto-cost-model.md documents the keys. The table
 * type and its checks stay in models/codec, because models/ reads no JSON.
 *
 * Limitations:
 * - Reading accepts exactly format version kCryptoCostTableFormatVersion; there is no
 *   migration.
 */
#ifndef TUNNELSIM_SIM_CRYPTO_COST_JSON_H
#define TUNNELSIM_SIM_CRYPTO_COST_JSON_H

#include "crypto-cost-table.h"

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

namespace tunnelsim
{

/**
 * Read a table from its JSON form and validate it. Unknown keys are rejected, so a typo
 * ("fixed_us") is an error and not a missing value. Throws CryptoCostTableError.
 */
CryptoCostTable CryptoCostTableFromJson(const nlohmann::json& document,
                                        std::string_view source = kCryptoCostTableInMemory);

/** The JSON form of @p table; keys in the documented order. */
nlohmann::ordered_json CryptoCostTableToJson(const CryptoCostTable& table);

/** Read, parse and validate the table in @p path. Throws CryptoCostTableError. */
CryptoCostTable LoadCryptoCostTable(const std::string& path);

/**
 * Validate @p table and write it to @p path (indented JSON and a final newline) through a
 * temporary file and a rename, so a reader never sees half a table. Throws
 * CryptoCostTableError when the table is invalid, std::runtime_error when the file cannot
 * be written.
 */
void SaveCryptoCostTable(const CryptoCostTable& table, const std::string& path);

} // namespace tunnelsim

#endif
