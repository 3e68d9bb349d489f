// CMemory is header-only (static inline functions in include/CMemory.h); SwiftPM needs one
// source file per C target.
#include "CMemory.h"
