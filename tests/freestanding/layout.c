/*
 * layout.c - the shared-memory layout as data, for layout-compare.sh.
 *
 * Compiled (never run) for every target and compiler at hand; the table of
 * sizes and of every field's offset and size lands in its own section,
 * which layout-compare.sh extracts with objcopy and compares byte for byte.
 * Identical tables mean the pipe, arena and buffer structures in shared
 * memory, the reference and window values carried in messages, the typed
 * message header and schema-declared structs have one layout on every
 * bitness and with every compiler. (All supported targets are little-endian.)
 */
#include <stddef.h>
#include <stdint.h>

#include "core/arena_layout.h"
#include "core/buffer_internal.h"
#include "core/layout.h"
#include "cosmosb/receiver.h"
#include "cosmosb/ref.h"
#include "cosmosb/schema.h"
#include "cosmosb/window.h"

/* A schema type with every alignment class, as peers would declare one. */
#define LAYOUT_SAMPLE_FIELDS(F)                                                                   \
    F(U8, a) F(U64, b) F(U16, c) F(F64, d) F(BOOL, e) F(WINDOW, w, COSMOSB_WIN_READ) F(U32, f) \
    F(REF, r, "") F(CHARS, s, 3) F(I64, g) F(ARRAY, U16, h, 3)
COSMOSB_SCHEMA(layout_sample, "layout.Sample", 1, LAYOUT_SAMPLE_FIELDS)

#define SZ(T) (uint32_t)sizeof(T)
#define F(T, f) (uint32_t)offsetof(T, f), (uint32_t)sizeof(((T *)0)->f)
#define PH struct cosmosb__pipe_hdr
#define AH struct cosmosb__arena_hdr

__attribute__((section(".cosmosb_layout"), used)) const uint32_t cosmosb_layout_table[] = {
    0x4C41594Fu, /* "LAYO": a marker, and the byte order */
    SZ(PH), F(PH, magic), F(PH, abi_version), F(PH, layout_version), F(PH, header_size), F(PH, mode),
    F(PH, capacity), F(PH, urgent_capacity), F(PH, slot_size), F(PH, slot_stride), F(PH, max_producers),
    F(PH, producer_offset), F(PH, producer_stride), F(PH, total_size), F(PH, consumer_state), F(PH, consumer_id),
    F(PH, doorbell), F(PH, sleeping), F(PH, flags), F(PH, consumer_heavy), F(PH, attach_seq), F(PH, reserved1),

    SZ(struct cosmosb__producer_ctl), F(struct cosmosb__producer_ctl, owner), F(struct cosmosb__producer_ctl, closed),
    F(struct cosmosb__producer_ctl, doorbell), F(struct cosmosb__producer_ctl, sleeping),
    F(struct cosmosb__producer_ctl, generation), F(struct cosmosb__producer_ctl, heavy),
    F(struct cosmosb__producer_ctl, reserved),
    SZ(struct cosmosb__index_line), F(struct cosmosb__index_line, value), F(struct cosmosb__index_line, reserved),
    SZ(struct cosmosb__slot_hdr), F(struct cosmosb__slot_hdr, seq), F(struct cosmosb__slot_hdr, len),
    F(struct cosmosb__slot_hdr, type_id),
    (uint32_t)COSMOSB__BLOCK_TAIL_OFF(0), (uint32_t)COSMOSB__BLOCK_HEAD_OFF(0), (uint32_t)COSMOSB__BLOCK_TAIL_OFF(1),
    (uint32_t)COSMOSB__BLOCK_HEAD_OFF(1), (uint32_t)COSMOSB__BLOCK_SLOTS_OFF,

    SZ(AH), F(AH, magic), F(AH, abi_version), F(AH, layout_version), F(AH, header_size), F(AH, arena_id),
    F(AH, block_size), F(AH, objects_per_block), F(AH, nblocks), F(AH, max_participants), F(AH, max_transfers),
    F(AH, holder_words), F(AH, part_stride), F(AH, block_stride), F(AH, obj_stride), F(AH, data_size),
    F(AH, meta_size), F(AH, id_domain), F(AH, lock), F(AH, lock_seq), F(AH, lock_sleepers), F(AH, log_op),
    F(AH, log_obj), F(AH, log_k), F(AH, log_child), F(AH, log_before), F(AH, log_step), F(AH, reserved1),
    F(AH, alloc_hint), F(AH, recoveries), F(AH, put_off), F(AH, reserved2),
    SZ(struct cosmosb__arena_part), F(struct cosmosb__arena_part, state), F(struct cosmosb__arena_part, self_id),
    F(struct cosmosb__arena_part, flags), F(struct cosmosb__arena_part, reserved),
    SZ(struct cosmosb__arena_xfer), F(struct cosmosb__arena_xfer, word), F(struct cosmosb__arena_xfer, object),
    F(struct cosmosb__arena_xfer, generation), F(struct cosmosb__arena_xfer, dest_gen),
    SZ(struct cosmosb__arena_block), F(struct cosmosb__arena_block, state), F(struct cosmosb__arena_block, aux),
    F(struct cosmosb__arena_block, used), F(struct cosmosb__arena_block, tail_gen),
    SZ(struct cosmosb__arena_obj), F(struct cosmosb__arena_obj, state), F(struct cosmosb__arena_obj, graph),
    F(struct cosmosb__arena_obj, nchildren), F(struct cosmosb__arena_obj, next),
    SZ(struct cosmosb__arena_objhdr), F(struct cosmosb__arena_objhdr, type_id), F(struct cosmosb__arena_objhdr, size),
    F(struct cosmosb__arena_objhdr, max_children), F(struct cosmosb__arena_objhdr, magic),
    F(struct cosmosb__arena_objhdr, generation), F(struct cosmosb__arena_objhdr, object),
    F(struct cosmosb__arena_objhdr, payload_off),
    SZ(struct cosmosb__arena_child), F(struct cosmosb__arena_child, object), F(struct cosmosb__arena_child, generation),

    SZ(struct slice_desc), F(struct slice_desc, magic), F(struct slice_desc, buffer_id), F(struct slice_desc, offset),
    F(struct slice_desc, length), F(struct slice_desc, reserved),

    SZ(cosmosb_ref_t), F(cosmosb_ref_t, object), F(cosmosb_ref_t, generation), F(cosmosb_ref_t, arena_id),
    F(cosmosb_ref_t, transfer),
    SZ(cosmosb_window_t), F(cosmosb_window_t, buffer_id), F(cosmosb_window_t, slice), F(cosmosb_window_t, generation),
    F(cosmosb_window_t, rights), F(cosmosb_window_t, offset), F(cosmosb_window_t, length),
    F(cosmosb_window_t, transfer), F(cosmosb_window_t, reserved),
    SZ(cosmosb_typed_header_t), F(cosmosb_typed_header_t, magic), F(cosmosb_typed_header_t, depth),
    F(cosmosb_typed_header_t, version),
    SZ(cosmosb_typed_ancestor_t), F(cosmosb_typed_ancestor_t, type_id), F(cosmosb_typed_ancestor_t, size),
    F(cosmosb_typed_ancestor_t, version),

    SZ(layout_sample), F(layout_sample, a), F(layout_sample, b), F(layout_sample, c), F(layout_sample, d),
    F(layout_sample, e), F(layout_sample, w), F(layout_sample, f), F(layout_sample, r), F(layout_sample, s),
    F(layout_sample, g), F(layout_sample, h),
    0x454E4421u, /* "END!" */
};
