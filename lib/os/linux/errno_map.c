/* errno_map.c - translation of host errno values into COSMOSB_E* codes. */
#include <errno.h>
#include "os/linux/linux_internal.h"

int cosmosb__linux_err(int e)
{
    switch (e) {
    case 0:
        return COSMOSB_OK;
    case EINVAL:
        return COSMOSB_EINVAL;
    case ENOMEM:
    case ENOSPC:
    case EMFILE:
    case ENFILE:
        return COSMOSB_ENOMEM;
    case EAGAIN:
        return COSMOSB_EAGAIN;
    case ETIMEDOUT:
        return COSMOSB_ETIMEDOUT;
    case EBADF:
    case ENOTSOCK:
        return COSMOSB_EBADF;
    case EPERM:
    case EACCES:
        return COSMOSB_EPERM;
    case ENOSYS:
    case EOPNOTSUPP:
        return COSMOSB_ENOTSUP;
    case EPIPE:
    case ECONNRESET:
    case ENOTCONN:
        return COSMOSB_ECLOSED;
    case EMSGSIZE:
        return COSMOSB_EMSGSIZE;
    default:
        return COSMOSB_EIO;
    }
}
