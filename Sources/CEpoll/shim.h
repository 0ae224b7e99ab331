#ifndef CONFGATE_CEPOLL_SHIM_H
#define CONFGATE_CEPOLL_SHIM_H
// Linux's epoll and eventfd (not in Swift's Glibc module): the event loop's system calls.
#include <sys/epoll.h>
#include <sys/eventfd.h>
#endif
