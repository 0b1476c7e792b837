var structcosmosb__arena__stats =
[
    [ "data_size", "structcosmosb__arena__stats.html#adcee192db0aff5474204644e1801b07b", null ],
    [ "bytes_in_use", "structcosmosb__arena__stats.html#af4d37d957802dbd116557016fb00070b", null ],
    [ "object_bytes", "structcosmosb__arena__stats.html#aee0016f2e850411bf3a86ec9e7dbb11a", null ],
    [ "blocks_total", "structcosmosb__arena__stats.html#ac3d9c98fc2626f95d232a640bf663a4c", null ],
    [ "blocks_free", "structcosmosb__arena__stats.html#addd8ff5713b1b492af9f53570b4bc584", null ],
    [ "live_objects", "structcosmosb__arena__stats.html#a428ae2fc924169dc7252800afc480439", null ],
    [ "frozen_objects", "structcosmosb__arena__stats.html#ad57ded13e6cb1caafd35e5dc8a53a3c2", null ],
    [ "participants", "structcosmosb__arena__stats.html#a1bf84e8248cdaf16dc678f06cebb98d8", null ],
    [ "zombies", "structcosmosb__arena__stats.html#ac700b7429fa7f89a1b0918954b1f3b48", null ],
    [ "transfers_live", "structcosmosb__arena__stats.html#a3bc2bca3e765ce4528fe4c0f544efd0d", null ],
    [ "recoveries", "structcosmosb__arena__stats.html#a82af0f203c2ec7b2cf517ce5ee15e602", null ]
];