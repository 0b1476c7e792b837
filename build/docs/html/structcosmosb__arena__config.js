var structcosmosb__arena__config =
[
    [ "data_size", "structcosmosb__arena__config.html#a566b4d5d9e2aefd1fcf6fe8924854a60", null ],
    [ "block_size", "structcosmosb__arena__config.html#a2357d0267c61eed892d9aeb17a6494c5", null ],
    [ "objects_per_block", "structcosmosb__arena__config.html#a1d73e5807ba4c6c9f8c2e03285adae5d", null ],
    [ "max_participants", "structcosmosb__arena__config.html#a850af32e68694254b78ac9b4f9f4a287", null ],
    [ "max_transfers", "structcosmosb__arena__config.html#a151a35f5267acc8056fb2899035fc16c", null ],
    [ "reserved", "structcosmosb__arena__config.html#aff6b2ea7975bcb8c8d7275dad0b32f56", null ]
];