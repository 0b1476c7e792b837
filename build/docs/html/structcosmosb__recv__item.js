var structcosmosb__recv__item =
[
    [ "buf", "structcosmosb__recv__item.html#ac634bb6507cb71ec98546f82c9fd529c", null ],
    [ "buf_size", "structcosmosb__recv__item.html#ac3e741cafffbd3a0615b4834dd0acf4c", null ],
    [ "reserved", "structcosmosb__recv__item.html#adfd45530899a955c60804f026c71e2a3", null ],
    [ "info", "structcosmosb__recv__item.html#a09adc50e39529067a6d318bb631aa35e", null ]
];