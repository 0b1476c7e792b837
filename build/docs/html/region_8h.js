var region_8h =
[
    [ "COSMOSB_REGION_PIPE", "region_8h.html#abcb69eeb8364771b98347555e6cf7034", null ],
    [ "COSMOSB_REGION_RAW", "region_8h.html#a537166472eddf9e472c5e6a2f418b126", null ],
    [ "COSMOSB_REGION_ANY", "region_8h.html#a94da6bb7a66c9748936a6ddd1b25c364", null ],
    [ "cosmosb_region_t", "region_8h.html#af38a13a23cb52def16dc9056c727572d", null ],
    [ "cosmosb_region_create", "region_8h.html#a4f2e08a91b0c7070547b5a8fd4b3a7ef", null ],
    [ "cosmosb_region_attach", "region_8h.html#a5f646ac16a0a3f7b7088a34c164e58c1", null ],
    [ "cosmosb_region_close", "region_8h.html#a08bb402f81786bb043d9da8e8bd26193", null ],
    [ "cosmosb_region_payload", "region_8h.html#ac66c142eb6882eda53718fe8fcdad7c2", null ],
    [ "cosmosb_region_payload_size", "region_8h.html#a639de64e319b0cb95411c2bb8906461b", null ],
    [ "cosmosb_region_kind", "region_8h.html#a821856c37ff1524431cbbbf12b01ad9b", null ],
    [ "cosmosb_region_fd", "region_8h.html#a954d5232637f28d7546f8d2bf36278a6", null ]
];