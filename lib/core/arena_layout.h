/*
 * arena_layout.h - the shared-memory ABI of an arena (docs/arena.md).
 *
 * Two areas: META (writable by every participant: states, holder bits,
 * transfers, the graph lock) and DATA (object bytes: written only by writer
 * participants, read-only mappings for everyone else). Rules as for pipes:
 * fixed-width fields, offsets never pointers, one layout for every bitness
 * (_Static_assert below), every word read from META checked before use,
 * geometry read once at join and kept in private memory.
 *
 * META:
 *   header (3 cache lines)
 *   participant records  [max_participants] * part_stride
 *       record line, then max_transfers transfer entries of 16 bytes
 *   block records        [nblocks] * block_stride
 *   object entries       [nblocks * objects_per_block] * obj_stride
 *
 * DATA: nblocks blocks of block_size bytes. A block starts with its offset
 * table (objects_per_block u32: byte offset of each object's header within
 * the block, or within the run for a run head); objects follow, each a
 * 32-byte header, its child list, then the payload (16-byte aligned).
 */
#ifndef COSMOSB_CORE_ARENA_LAYOUT_H
#define COSMOSB_CORE_ARENA_LAYOUT_H

#include <stddef.h>
#include <stdint.h>
#include "core/atomic.h"

#define COSMOSB__ARENA_MAGIC 0x41424d43u /* "CMBA" as little-endian bytes */
#define COSMOSB__ARENA_LAYOUT_VERSION 4u /* 2: CLOSING and LEAVING states, the graph lock word carries the holder generation; 3: tail_gen, put_off; 4: join reservations (self_id), NOID */
#define COSMOSB__ARENA_OBJ_MAGIC 0x4a424f43u /* "COBJ" */

/* ---- participant record state word: kind (bits 0-3), reaper+1 (4-11), generation (12-31) */
#define COSMOSB__PART_FREE 0u
#define COSMOSB__PART_ALIVE 1u
#define COSMOSB__PART_REAPING 2u
#define COSMOSB__PART_ZOMBIE 3u
/* self_id of a participant whose platform has no ids (never a real id: never asked about, never reaped by a poll) */
#define COSMOSB__PART_NOID 0xffffffffu
/* An identifier with bit 30 set carries host data in bits 22..30 (platform.h, self_id): it is matched
 * on its low 22 bits. */
#define COSMOSB__ID_HOST_FLAG 0x40000000u
#define COSMOSB__ID_HOST_MASK 0x3fffffu
#define COSMOSB__PART_UNCOUNTED 1u /* aux of a ZOMBIE: a death no poll has counted yet (its reap did not finish) */
#define COSMOSB__PART_LEAVING 4u /* cosmosb_arena_leave in progress: gone for settling, alive for reaping and
                                  * the graph lock (docs/arena.md, "Leaving"); aux 1: its last step, holding
                                  * nothing (reaped at once, whatever its id) */
#define COSMOSB__PART_LEAVE_DONE 1u
/* aux of LEAVING: a transfer of the leaver settled while it was leaving; it scans its transfers again
 * before it becomes a zombie (set by the settler, cleared only by the leaver: docs/arena.md, "Leaving") */
#define COSMOSB__PART_LEAVE_SETTLED 2u
#define COSMOSB__PART_KIND(w) ((w) & 0xfu)
#define COSMOSB__PART_AUX(w) (((w) >> 4) & 0xffu)
#define COSMOSB__PART_GEN(w) ((w) >> 12)
#define COSMOSB__PART_WORD(kind, aux, gen) ((kind) | ((uint32_t)(aux) << 4) | ((uint32_t)(gen) << 12))

/* ---- transfer entry word: state (bits 0-1), dest (4-11), tgen (12-23) */
#define COSMOSB__XFER_FREE 0u
#define COSMOSB__XFER_LIVE 1u
#define COSMOSB__XFER_TAKEN 2u
#define COSMOSB__XFER_CANCELLED 3u
#define COSMOSB__XFER_STATE(w) ((w) & 0x3u)
#define COSMOSB__XFER_DEST(w) (((w) >> 4) & 0xffu)
#define COSMOSB__XFER_TGEN(w) (((w) >> 12) & 0xfffu)
#define COSMOSB__XFER_WORD(state, dest, tgen) ((state) | ((uint32_t)(dest) << 4) | (((uint32_t)(tgen) & 0xfffu) << 12))
/* transfer token in a reference: sender+1 (bits 24-31), entry (12-23), tgen (0-11); 0 = no transfer */
#define COSMOSB__TOKEN(sender, entry, tgen) \
    ((((uint32_t)(sender) + 1u) << 24) | (((uint32_t)(entry) & 0xfffu) << 12) | ((uint32_t)(tgen) & 0xfffu))
#define COSMOSB__TOKEN_SENDER(t) (((t) >> 24) - 1u)
#define COSMOSB__TOKEN_ENTRY(t) (((t) >> 12) & 0xfffu)
#define COSMOSB__TOKEN_TGEN(t) ((t) & 0xfffu)

/* ---- block state word: kind (bits 0-3), participant (4-11), generation (12-31) */
#define COSMOSB__BLK_FREE 0u
#define COSMOSB__BLK_OWNED 1u   /* a participant bump-allocates in it (single block or run head being built) */
#define COSMOSB__BLK_RETIRED 2u /* no more allocations; freed once every entry in it is FREE */
#define COSMOSB__BLK_TAIL 3u    /* part of a run; aux = head block index */
#define COSMOSB__BLK_FREEING 4u /* run head being returned to the pool; participant = the freer */
#define COSMOSB__BLK_KIND(w) ((w) & 0xfu)
#define COSMOSB__BLK_PART(w) (((w) >> 4) & 0xffu)
#define COSMOSB__BLK_GEN(w) ((w) >> 12)
#define COSMOSB__BLK_GEN_MASK 0xfffffu
#define COSMOSB__BLK_WORD(kind, part, gen) ((kind) | ((uint32_t)(part) << 4) | (((uint32_t)(gen) & 0xfffffu) << 12))

/* ---- object entry state word: state (bits 0-3), aux (4-11), generation (12-31)
 * aux is the freer + 1 in DYING, 0 otherwise. */
#define COSMOSB__OBJ_FREE 0u
#define COSMOSB__OBJ_ALLOC 1u  /* allocated, being filled by its allocator */
#define COSMOSB__OBJ_FROZEN 2u /* immutable, shareable */
#define COSMOSB__OBJ_DYING 3u  /* being freed (exactly one CAS got it here) */
#define COSMOSB__OBJ_CLOSING 4u /* FROZEN, and aux - 1 is checking whether it has a holder left (arenas with
                                 * more than one holder word: docs/arena.md, "Closing"); a new holder CASes it
                                 * back to FROZEN */
#define COSMOSB__OBJ_STATE(w) ((w) & 0xfu)
#define COSMOSB__OBJ_AUX(w) (((w) >> 4) & 0xffu)
#define COSMOSB__OBJ_GEN(w) ((w) >> 12)
#define COSMOSB__OBJ_WORD(state, aux, gen) ((state) | ((uint32_t)(aux) << 4) | (((uint32_t)(gen) & 0xfffffu) << 12))
#define COSMOSB__OBJ_GEN_MASK 0xfffffu

/* FROZEN or CLOSING: frozen data, readable by its holders. */
#define COSMOSB__OBJ_IS_FROZEN(s) ((s) == COSMOSB__OBJ_FROZEN || (s) == COSMOSB__OBJ_CLOSING)
/* Rounds of the closing check before a closer gives up (holders keep coming and going). */
#define COSMOSB__OBJ_CLOSE_ROUNDS 1000u

/* ---- graph lock word: holder + 1 (bits 0-7), the holder's record generation (8-27) */
#define COSMOSB__LOCK_WORD(part, gen) (((uint32_t)(part) + 1u) | (((uint32_t)(gen) & 0xfffffu) << 8))
#define COSMOSB__LOCK_HOLDER(v) (((v) & 0xffu) - 1u)
#define COSMOSB__LOCK_GEN(v) (((v) >> 8) & 0xfffffu)

/* ---- graph lock log operations */
#define COSMOSB__GLOG_NONE 0u
#define COSMOSB__GLOG_ADD_CHILD 1u /* log_obj = parent, log_k = child slot, log_child, log_before */
#define COSMOSB__GLOG_FREE 2u      /* log_obj = head of the dying list, log_k = next child of it */

struct cosmosb__arena_hdr {
    /* bytes 0-79: geometry, written once by format before the magic (release) */
    uint32_t magic;
    uint32_t abi_version;
    uint32_t layout_version;
    uint32_t header_size;
    uint32_t arena_id;
    uint32_t block_size;
    uint32_t objects_per_block;
    uint32_t nblocks;
    uint32_t max_participants;
    uint32_t max_transfers;
    uint32_t holder_words;
    uint32_t part_stride;
    uint32_t block_stride;
    uint32_t obj_stride;
    uint64_t data_size;
    uint64_t meta_size;
    uint64_t id_domain; /* where participants' platform ids mean something (Linux: the creator's pid
                         * namespace), written by the host after format; 0: unknown. Only hosts read it. */
    /* bytes 80-127: the graph lock and its log (docs/arena.md, "Graph lock") */
    cosmosb__au32 lock;        /* 0 free, else COSMOSB__LOCK_WORD(holder, holder's record generation) */
    cosmosb__au32 lock_seq;    /* futex word: bumped by every unlock */
    cosmosb__au32 lock_sleepers; /* number of waiters asleep on lock_seq */
    cosmosb__au32 log_op;      /* COSMOSB__GLOG_* in progress */
    cosmosb__au32 log_obj;     /* object index + 1 */
    cosmosb__au32 log_k;       /* child index within log_obj */
    cosmosb__au32 log_child;   /* child object index being updated */
    cosmosb__au32 log_before;  /* that child's graph count before the update */
    cosmosb__au32 log_step;    /* k + 1 once log_child/log_before describe step k; 0 otherwise */
    uint32_t reserved1[3];
    /* line 2: shared hints (any value is safe) */
    cosmosb__au32 alloc_hint;  /* block index where claims start looking */
    cosmosb__au32 recoveries;  /* graph-lock logs completed for a dead holder (statistics) */
    cosmosb__au32 put_off;     /* non-zero: a free gave up on the graph lock; the next poll looks for holder-less objects */
    uint32_t reserved2[13];
};

struct cosmosb__arena_part {
    cosmosb__au32 state;   /* PART_* word */
    cosmosb__au32 self_id; /* platform id (pid) of the participant, for liveness */
    cosmosb__au32 flags;   /* COSMOSB_ARENA_WRITER */
    uint32_t reserved[13];
};

struct cosmosb__arena_xfer {
    cosmosb__au32 word;       /* XFER_* word: written by the giver (FREE->LIVE, TAKEN/CANCELLED->FREE), CAS by addressee/reaper (LIVE->TAKEN/CANCELLED) */
    cosmosb__au32 object;     /* object index; written by the giver before LIVE */
    cosmosb__au32 generation; /* object generation; written by the giver before LIVE */
    cosmosb__au32 dest_gen;   /* generation of the addressee's participant record; written before LIVE */
};

struct cosmosb__arena_block {
    cosmosb__au32 state; /* BLK_* word */
    cosmosb__au32 aux;   /* run head: blocks in the run (>= 1) */
    cosmosb__au32 used;  /* entries the owner used (all of them until it retires the block) */
    cosmosb__au32 tail_gen; /* while TAIL: the block's own generation (the state word holds the head index) */
};

struct cosmosb__arena_obj {
    cosmosb__au32 state;     /* OBJ_* word */
    cosmosb__au32 graph;     /* number of live parents holding it; changed only under the graph lock */
    cosmosb__au32 nchildren; /* children attached so far; changed only under the graph lock */
    cosmosb__au32 next;      /* dying list link (object index + 1), under the graph lock */
    /* followed by holder_words holder words: bit p set while participant p holds it */
};

/* Object header in DATA (written by the allocator before the freeze). */
struct cosmosb__arena_objhdr {
    uint64_t type_id;
    uint32_t size;         /* payload bytes */
    uint32_t max_children; /* capacity of the child list that follows */
    uint32_t magic;        /* COSMOSB__ARENA_OBJ_MAGIC */
    uint32_t generation;   /* object generation at allocation */
    uint32_t object;       /* own object index */
    uint32_t payload_off;  /* payload offset from the header (32 + 8 * max_children, rounded to 16) */
};

struct cosmosb__arena_child {
    uint32_t object;
    uint32_t generation;
};

_Static_assert(sizeof(struct cosmosb__arena_hdr) == 3 * 64, "arena header is three cache lines");
_Static_assert(offsetof(struct cosmosb__arena_hdr, data_size) == 56, "layout");
_Static_assert(offsetof(struct cosmosb__arena_hdr, lock) == 80, "layout");
_Static_assert(offsetof(struct cosmosb__arena_hdr, alloc_hint) == 128, "layout");
_Static_assert(sizeof(struct cosmosb__arena_part) == 64, "participant record line");
_Static_assert(sizeof(struct cosmosb__arena_xfer) == 16, "transfer entry");
_Static_assert(sizeof(struct cosmosb__arena_block) == 16, "block record head");
_Static_assert(sizeof(struct cosmosb__arena_obj) == 16, "object entry head");
_Static_assert(sizeof(struct cosmosb__arena_objhdr) == 32, "object header");
_Static_assert(offsetof(struct cosmosb__arena_objhdr, size) == 8, "layout");
_Static_assert(offsetof(struct cosmosb__arena_objhdr, payload_off) == 28, "layout");
_Static_assert(sizeof(struct cosmosb__arena_child) == 8, "child entry");

#endif /* COSMOSB_CORE_ARENA_LAYOUT_H */
