// The one way Strata code includes Boehm: GC_THREADS must be defined before gc.h in every
// translation unit, or the thread-registration API is missing and the pthread wrappers differ.
#pragma once

#ifndef GC_THREADS
#define GC_THREADS
#endif
#include <gc/gc.h>
