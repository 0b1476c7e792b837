/*
 * window.c - narrowing and containment of buffer windows (pure functions on
 * caller memory; resolving a window against its buffer is in the buffer
 * manager).
 */
#include "cosmosb/window.h"
#include "cosmosb/error.h"

int cosmosb_window_narrow(const cosmosb_window_t *w, uint64_t rel_offset, uint64_t length, uint32_t keep_rights,
                          cosmosb_window_t *out)
{
    if (!w || !out)
        return COSMOSB_EINVAL;
    if (w->rights & ~COSMOSB_WIN_VALID_MASK)
        return COSMOSB_EINVAL;
    if (rel_offset > w->length || length > w->length - rel_offset)
        return COSMOSB_ERANGE;
    if (w->offset > UINT64_MAX - rel_offset)
        return COSMOSB_ERANGE;
    cosmosb_window_t n = *w;
    n.offset = w->offset + rel_offset;
    n.length = length;
    n.rights = (w->rights & keep_rights & COSMOSB_WIN_RIGHTS_MASK) | (w->rights & COSMOSB_WIN_SEALED);
    *out = n;
    return COSMOSB_OK;
}

bool cosmosb_window_within(const cosmosb_window_t *outer, const cosmosb_window_t *inner)
{
    if (!outer || !inner)
        return false;
    if (outer->buffer_id != inner->buffer_id || outer->slice != inner->slice ||
        outer->generation != inner->generation)
        return false;
    if ((outer->rights | inner->rights) & ~COSMOSB_WIN_VALID_MASK)
        return false;
    if ((inner->rights & COSMOSB_WIN_RIGHTS_MASK) & ~(outer->rights & COSMOSB_WIN_RIGHTS_MASK))
        return false;
    if ((inner->rights ^ outer->rights) & COSMOSB_WIN_SEALED)
        return false;
    if (inner->offset < outer->offset)
        return false;
    uint64_t rel = inner->offset - outer->offset;
    return rel <= outer->length && inner->length <= outer->length - rel;
}
