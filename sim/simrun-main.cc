#include "simrun-cli.h"

int
main(int argc, char** argv)
{
    return tunnelsim::RunSimrun(argc, argv);
}
