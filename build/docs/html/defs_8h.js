var defs_8h =
[
    [ "COSMOSB_API", "defs_8h.html#aff273b94479be46a778fbd731bc8f7fa", null ],
    [ "COSMOSB_STATIC_ASSERT", "defs_8h.html#a55be492d557eb7259b1a3f036fd7e997", null ],
    [ "COSMOSB_CACHELINE", "defs_8h.html#a3042d389074444d7946f06d017413c95", null ],
    [ "COSMOSB_TIMEOUT_NONE", "defs_8h.html#a4d3ed1f3abaa1fe7952fa5d322e0229f", null ],
    [ "COSMOSB_TIMEOUT_FOREVER", "defs_8h.html#a25d38bb8a002abe7621f95b258fea477", null ],
    [ "COSMOSB_BEGIN_DECLS", "defs_8h.html#a2e109e2b56088f4cc9484923b6a19b75", null ],
    [ "COSMOSB_END_DECLS", "defs_8h.html#aeea89e6b037f271b8da3fed8d3211e36", null ]
];