/*
 * layout.h - the shared-memory ABI of a pipe.
 *
 * Everything here lives in memory shared with peers that may be buggy,
 * hostile or dead. Rules (docs/pipe.md):
 *  - fixed-width fields only, explicit padding, no pointers: offsets from the
 *    pipe's first byte;
 *  - the same layout on every bitness and compiler (_Static_assert below);
 *  - each cache line has one writer in the steady state; the comment on
 *    every field says who writes and who reads it;
 *  - nothing read from here is used before it is checked; geometry is read
 *    once and kept in private memory.
 */
#ifndef COSMOSB_CORE_LAYOUT_H
#define COSMOSB_CORE_LAYOUT_H

#include <stddef.h>
#include <stdint.h>
#include "core/atomic.h"

#define COSMOSB__CL 64u
#define COSMOSB__PIPE_MAGIC 0x50424d43u /* "CMBP" read as little-endian bytes */
#define COSMOSB__PIPE_LAYOUT_VERSION 3u /* 3: consumer_heavy and ctl heavy say NONE/HEAVY/FENCE, read per publish */

/* consumer_state values */
#define COSMOSB__CONSUMER_OPEN 1u
#define COSMOSB__CONSUMER_CLOSED 2u

/* bits of a `sleeping` word */
#define COSMOSB__SLEEP_FUTEX 0x1u  /* sleeping on the doorbell futex word */
#define COSMOSB__SLEEP_NOTIFY 0x2u /* wants the platform notify hook (eventfd) */

/* producer owner word: 0 = free, else OWNER_BIT | producer id */
#define COSMOSB__OWNER_BIT 0x80000000u

/* Lane numbers inside a producer block; the urgent lane is drained first. */
#define COSMOSB__LANE_URGENT 0u
#define COSMOSB__LANE_NORMAL 1u
#define COSMOSB__LANES 2u

/* Pipe header: the first two cache lines of the pipe. */
struct cosmosb__pipe_hdr {
    /* line 0: geometry, written once by the consumer before any producer can
     * see the memory; read by producers at attach (then copied). */
    uint32_t magic;
    uint32_t abi_version;
    uint32_t layout_version;
    uint32_t header_size;      /* sizeof(struct cosmosb__pipe_hdr) */
    uint32_t mode;             /* COSMOSB_PIPE_SPSC / _MPSC */
    uint32_t capacity;         /* normal lane slots, power of two */
    uint32_t urgent_capacity;  /* urgent lane slots, power of two */
    uint32_t slot_size;        /* payload bytes per slot (multiple of 8) */
    uint32_t slot_stride;      /* bytes per slot: header + payload, multiple of 16 */
    uint32_t max_producers;
    uint64_t producer_offset;  /* offset of producer block 0 from the pipe start */
    uint64_t producer_stride;  /* bytes per producer block */
    uint64_t total_size;       /* bytes of the whole pipe */
    /* line 1: consumer liveness and wakeup */
    cosmosb__au32 consumer_state; /* written by consumer (open/close); read by producers */
    cosmosb__au32 consumer_id;    /* written once by consumer; read by producers at attach */
    cosmosb__au32 doorbell;       /* futex word: bumped by a producer that wakes the consumer */
    cosmosb__au32 sleeping;       /* SLEEP_* bits: set by consumer, taken (exchange) by a waking producer */
    uint32_t flags;               /* COSMOSB_PIPE_* config flags; written once by the consumer */
    cosmosb__au32 consumer_heavy; /* COSMOSB__HEAVY_*: how the consumer sleeps; written by it (docs/pipe.md) */
    cosmosb__au32 attach_seq;     /* bumped by a producer when it attaches or closes; polled by the consumer */
    uint32_t reserved1[9];
};

/*
 * How a side sleeps, as its wakers read it (consumer_heavy, producer ctl heavy;
 * docs/pipe.md, "Asymmetric variant"): NONE, the side is not registered for
 * heavy barriers (never changes); HEAVY, it issues one after announcing each
 * sleep, so wakers registered too may publish without a fence; FENCE, it is
 * registered but sleeps often, and asks its wakers to fence instead. Any
 * value other than HEAVY makes a waker fence.
 */
#define COSMOSB__HEAVY_NONE 0u
#define COSMOSB__HEAVY_HEAVY 1u
#define COSMOSB__HEAVY_FENCE 2u

/* Control line of one producer block. */
struct cosmosb__producer_ctl {
    cosmosb__au32 owner;      /* 0 free; claimed by producer (CAS 0 -> OWNER_BIT|id); freed by consumer after reaping */
    cosmosb__au32 closed;     /* set to 1 by the producer on clean close; reset by consumer when reaping */
    cosmosb__au32 doorbell;   /* futex word: bumped by the consumer to wake this producer */
    cosmosb__au32 sleeping;   /* SLEEP_FUTEX: set by producer before sleeping on a full lane; taken by consumer */
    cosmosb__au32 generation; /* bumped by consumer at each reap (diagnostics) */
    cosmosb__au32 heavy;      /* COSMOSB__HEAVY_*: how this producer sleeps; written by it after claiming */
    uint32_t reserved[10];
};

/* One index, alone on its cache line. */
struct cosmosb__index_line {
    cosmosb__au32 value;
    uint32_t reserved[15];
};

/*
 * Header of a slot; the payload follows at +16. `seq` publishes the slot:
 * the producer writes type_id, len and the payload, then stores seq = pos + 1
 * (release) for the message at lane position pos. The consumer delivers the
 * message at its position pos only if it reads exactly pos + 1 there, so it
 * polls the slot itself (one cache line moves per message, not an index line
 * and a slot line) and a stale or forged seq can only hide messages.
 */
struct cosmosb__slot_hdr {
    cosmosb__au32 seq; /* written by producer last (release); read by consumer (acquire) */
    uint32_t len;      /* payload bytes; checked <= slot_size by the consumer */
    uint64_t type_id;  /* written by producer before publishing */
};

/*
 * Producer block layout (producer_stride bytes, a multiple of 64):
 *   ctl line
 *   lane 0 (urgent): tail line (producer writes; informative: stats, restart
 *                    point for the next producer), head line (consumer writes)
 *   lane 1 (normal): tail line, head line
 *   urgent slots: urgent_capacity * slot_stride
 *   normal slots: capacity * slot_stride (starting on a 64-byte boundary)
 */
#define COSMOSB__BLOCK_TAIL_OFF(lane) ((uint64_t)COSMOSB__CL * (1u + 2u * (lane)))
#define COSMOSB__BLOCK_HEAD_OFF(lane) ((uint64_t)COSMOSB__CL * (2u + 2u * (lane)))
#define COSMOSB__BLOCK_SLOTS_OFF ((uint64_t)COSMOSB__CL * 5u)

_Static_assert(sizeof(struct cosmosb__pipe_hdr) == 2 * COSMOSB__CL, "pipe header is two cache lines");
_Static_assert(offsetof(struct cosmosb__pipe_hdr, producer_offset) == 40, "layout");
_Static_assert(offsetof(struct cosmosb__pipe_hdr, total_size) == 64 - 8, "layout");
_Static_assert(offsetof(struct cosmosb__pipe_hdr, consumer_state) == 64, "layout");
_Static_assert(offsetof(struct cosmosb__pipe_hdr, sleeping) == 76, "layout");
_Static_assert(sizeof(struct cosmosb__producer_ctl) == COSMOSB__CL, "ctl is one cache line");
_Static_assert(sizeof(struct cosmosb__index_line) == COSMOSB__CL, "index is one cache line");
_Static_assert(sizeof(struct cosmosb__slot_hdr) == 16, "slot header is 16 bytes");
_Static_assert(offsetof(struct cosmosb__slot_hdr, len) == 4, "layout");
_Static_assert(offsetof(struct cosmosb__slot_hdr, type_id) == 8, "layout");

#endif /* COSMOSB_CORE_LAYOUT_H */
