var window_8h =
[
    [ "cosmosb_window", "structcosmosb__window.html", "structcosmosb__window" ],
    [ "COSMOSB_WIN_READ", "window_8h.html#ad160544ebce1e19ca7cabbee6fd5224e", null ],
    [ "COSMOSB_WIN_WRITE", "window_8h.html#aadcd78ce07a13891de07f4b572b47ea6", null ],
    [ "COSMOSB_WIN_SEALED", "window_8h.html#a6ecbe66d5e8f7d4ee1dfe9cb78727a47", null ],
    [ "COSMOSB_WIN_RIGHTS_MASK", "window_8h.html#a0aa8828de1d82d81315e211dd621a03c", null ],
    [ "COSMOSB_WIN_VALID_MASK", "window_8h.html#a4b03ab354da4f93ee92a58e3d85fe8f7", null ],
    [ "cosmosb_window_t", "window_8h.html#a147fe5820a1643ef264ee8d2f6478a7c", null ],
    [ "cosmosb_window_narrow", "window_8h.html#aaf7d46903a91948360a62befe059334e", null ],
    [ "cosmosb_window_within", "window_8h.html#a1f5e88e25f4fd14011be660b1da88ce9", null ]
];