var structcosmosb__pipe__stats =
[
    [ "sent", "structcosmosb__pipe__stats.html#a6d3ad845ba0896c2e21c69f5c26658e1", null ],
    [ "received", "structcosmosb__pipe__stats.html#a0d54198fca6840a3cc7ba81920f3f65f", null ],
    [ "rejected_corrupt", "structcosmosb__pipe__stats.html#a9566a11c281bfbdb846e96d021db0755", null ],
    [ "wakeups_sent", "structcosmosb__pipe__stats.html#af16aab06d3e3a84bd513c9d820561ef4", null ],
    [ "sleeps", "structcosmosb__pipe__stats.html#aa6625eac96a9ded5746f2902ff79d15f", null ],
    [ "producers_attached", "structcosmosb__pipe__stats.html#a97579a69b4833106a3343172e58058c0", null ],
    [ "producers_reaped", "structcosmosb__pipe__stats.html#a6d561f9c730fbe3dbe284957ce1121d5", null ],
    [ "queued", "structcosmosb__pipe__stats.html#a509631a006fbff344564aa6aa160eb80", null ],
    [ "capacity", "structcosmosb__pipe__stats.html#ae0723c9db45652ca42d34f957c776d71", null ],
    [ "urgent_capacity", "structcosmosb__pipe__stats.html#a54c54413a15efe58a81e1003f4d5b23b", null ],
    [ "slot_size", "structcosmosb__pipe__stats.html#a9ac6ecd2309ca5e17c82e550764a8a23", null ],
    [ "max_producers", "structcosmosb__pipe__stats.html#ae9f7706c3f9ef0865e7de05736e7eb7e", null ],
    [ "role", "structcosmosb__pipe__stats.html#a784323931b9b3722a9b4f14ead09a01a", null ]
];