/* SPDX-License-Identifier: MIT */
/* libkmm umbrella header: a user-space, instance-based Linux-style kernel
 * memory manager. See README.md and docs/. */
#ifndef KMM_KMM_H
#define KMM_KMM_H

#include <kmm/types.h>
#include <kmm/gfp.h>
#include <kmm/report.h>
#include <kmm/config.h>
#include <kmm/platform.h>
#include <kmm/page.h>
#include <kmm/mempolicy.h>
#include <kmm/stats.h>
#include <kmm/slab.h>

#define KMM_VERSION_MAJOR 0
#define KMM_VERSION_MINOR 1

#endif
