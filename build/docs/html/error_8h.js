var error_8h =
[
    [ "COSMOSB_ERR_MAP", "error_8h.html#ac251700d3e0a25c9a2ae5a7d8eaa88ad", null ],
    [ "cosmosb_err_t", "error_8h.html#a43197c38e06d5ca8c36e799afc83c48d", null ],
    [ "cosmosb_err", "error_8h.html#a798a4b5aa10856c30f018db8c5e7866b", [
      [ "COSMOSB_OK", "error_8h.html#a798a4b5aa10856c30f018db8c5e7866ba93052ca9d7efd54d9f4e555f79dea484", null ],
      [ "COSMOSB_EINVAL", "error_8h.html#a798a4b5aa10856c30f018db8c5e7866baaa86f39edd913e83531351751c87fe18", null ],
      [ "COSMOSB_ENOMEM", "error_8h.html#a798a4b5aa10856c30f018db8c5e7866ba557a62942f450bcea52d1b18e4d0d4de", null ],
      [ "COSMOSB_EAGAIN", "error_8h.html#a798a4b5aa10856c30f018db8c5e7866bad62fa34b746709fbde1dfa050fa3732f", null ],
      [ "COSMOSB_ETIMEDOUT", "error_8h.html#a798a4b5aa10856c30f018db8c5e7866ba721dcf795a7f670a7713db71d1fd5267", null ],
      [ "COSMOSB_EFULL", "error_8h.html#a798a4b5aa10856c30f018db8c5e7866bab4bbf6ae4f928242aae4bc43213692e6", null ],
      [ "COSMOSB_EMSGSIZE", "error_8h.html#a798a4b5aa10856c30f018db8c5e7866ba2988568cf483a7c13235382928176144", null ],
      [ "COSMOSB_ECORRUPT", "error_8h.html#a798a4b5aa10856c30f018db8c5e7866ba0a69c33306603087991dea8ff8aec689", null ],
      [ "COSMOSB_EPEERDEAD", "error_8h.html#a798a4b5aa10856c30f018db8c5e7866babc247dba3603e60328545df2e5b17a49", null ],
      [ "COSMOSB_ECLOSED", "error_8h.html#a798a4b5aa10856c30f018db8c5e7866ba624129501d3b154b30e99bbff08bc162", null ],
      [ "COSMOSB_EBADF", "error_8h.html#a798a4b5aa10856c30f018db8c5e7866ba470af592d6907f59364f425bc47671f7", null ],
      [ "COSMOSB_EVERSION", "error_8h.html#a798a4b5aa10856c30f018db8c5e7866bab26d7078d97e4fcaf69ed8bcdaab851b", null ],
      [ "COSMOSB_EBUSY", "error_8h.html#a798a4b5aa10856c30f018db8c5e7866ba3abeaecff920679fd81e92f4eaceaab9", null ],
      [ "COSMOSB_ENOTSUP", "error_8h.html#a798a4b5aa10856c30f018db8c5e7866ba8b25327af48a5b9ded9ae39512587ffb", null ],
      [ "COSMOSB_EPERM", "error_8h.html#a798a4b5aa10856c30f018db8c5e7866ba88cda881515c7bfe6417e70c1414b945", null ],
      [ "COSMOSB_EIO", "error_8h.html#a798a4b5aa10856c30f018db8c5e7866ba5a56117a64dae1431cf49104604d9126", null ],
      [ "COSMOSB_EROLE", "error_8h.html#a798a4b5aa10856c30f018db8c5e7866baca72a67384e3e86926718ddf3436908a", null ],
      [ "COSMOSB_EOVERFLOW", "error_8h.html#a798a4b5aa10856c30f018db8c5e7866baa78a771c58710c57cf18a74ad0e46207", null ],
      [ "COSMOSB_ETYPE", "error_8h.html#a798a4b5aa10856c30f018db8c5e7866ba3d45769a52f5d89da83d8a30a8459716", null ],
      [ "COSMOSB_EBADMSG", "error_8h.html#a798a4b5aa10856c30f018db8c5e7866bac9597f4829149b73405940797faa90fa", null ],
      [ "COSMOSB_ESTALE", "error_8h.html#a798a4b5aa10856c30f018db8c5e7866ba2977891f742a10fe1385b02397ad335e", null ],
      [ "COSMOSB_ERANGE", "error_8h.html#a798a4b5aa10856c30f018db8c5e7866bace18c7511aec1846a1033e545c4f21b1", null ],
      [ "COSMOSB_EINCOMPAT", "error_8h.html#a798a4b5aa10856c30f018db8c5e7866baa0a38fae756bfe4bed3f87a69297c5b1", null ],
      [ "COSMOSB_ESTATE", "error_8h.html#a798a4b5aa10856c30f018db8c5e7866ba8eff467cabbe5deabfe52d31ac5759c8", null ],
      [ "COSMOSB__ERR_MIN", "error_8h.html#a798a4b5aa10856c30f018db8c5e7866b", null ]
    ] ],
    [ "cosmosb_strerror", "error_8h.html#a4a5da83da87cb47c6ed2e95dd3e6fa0e", null ],
    [ "cosmosb_err_name", "error_8h.html#a31557f99f44cf36c63ed70b5f8c8b1d5", null ]
];