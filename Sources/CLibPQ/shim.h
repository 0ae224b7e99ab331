#ifndef CONFGATE_CLIBPQ_SHIM_H
#define CONFGATE_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif
