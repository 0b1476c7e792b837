var structcosmosb__platform =
[
    [ "ctx", "structcosmosb__platform.html#ad5bc6bdc075ebce362af56bc53d1ec35", null ],
    [ "wait32", "structcosmosb__platform.html#aad135a3ad51f110ef1dba31bb1a7bd8e", null ],
    [ "wake32", "structcosmosb__platform.html#a86d17978c60fb6b83d125f7aa1b29394", null ],
    [ "now_ns", "structcosmosb__platform.html#a88fea91335fa8cb0f021ef91a1ea8faf", null ],
    [ "yield", "structcosmosb__platform.html#ae72eadd3e554af9850f60b9784baa902", null ],
    [ "peer_alive", "structcosmosb__platform.html#a18f7c58bf27d9e8999f000b1fd807022", null ],
    [ "self_id", "structcosmosb__platform.html#a9216c0230985385211bf1e0ade1c9ac4", null ],
    [ "notify", "structcosmosb__platform.html#a6d82342a8172109dc301449b65dea678", null ],
    [ "heavy_barrier_register", "structcosmosb__platform.html#ad479d048c5a3166a6eb482c2c58c0122", null ],
    [ "heavy_barrier", "structcosmosb__platform.html#a07030b3e0a0b50352d9cd02d1ca403c8", null ],
    [ "log", "structcosmosb__platform.html#afb9ea83098746bcb4f01bd8948292e83", null ]
];