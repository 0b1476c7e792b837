var platform_8h =
[
    [ "cosmosb_platform", "structcosmosb__platform.html", "structcosmosb__platform" ],
    [ "COSMOSB_PEER_ALIVE", "platform_8h.html#ae2e09539fa2ab7c3a5e37373c07e5989", null ],
    [ "COSMOSB_PEER_DEAD", "platform_8h.html#ade0c0f0074fc9c4494db7a93f0ac32f8", null ],
    [ "COSMOSB_PEER_UNKNOWN", "platform_8h.html#a0eddc92fc83884e0e77520ccd036c342", null ],
    [ "cosmosb_platform_t", "platform_8h.html#ac54679da8b923d4c784a45b7e6e349e8", null ],
    [ "cosmosb_platform_default", "platform_8h.html#a4ffab5e7eda0ce56a46e865af09dccd1", null ]
];