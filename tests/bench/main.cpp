// Entry point of the bench/ test suite (doctest): the Nexmark generator and queries.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
