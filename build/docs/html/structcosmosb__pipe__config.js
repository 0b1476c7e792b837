var structcosmosb__pipe__config =
[
    [ "mode", "structcosmosb__pipe__config.html#a3172579f7cbb339cefd9cb9566f65ae8", null ],
    [ "capacity", "structcosmosb__pipe__config.html#a5fbbc125856eb51c2153e6ac2c587f21", null ],
    [ "urgent_capacity", "structcosmosb__pipe__config.html#a27060fa917083cfe18fb8079cc065f51", null ],
    [ "slot_size", "structcosmosb__pipe__config.html#a896a8214b5d53ca6c3dd00c3f6e27cf6", null ],
    [ "max_producers", "structcosmosb__pipe__config.html#a6e99cebe8dfc9299d03b450e397a24ab", null ],
    [ "flags", "structcosmosb__pipe__config.html#a6e30451725becd4f087914ff85163381", null ]
];