var structcosmosb__send__item =
[
    [ "type_id", "structcosmosb__send__item.html#ae9297da68b1ebe68d9f0dd5d4de98df0", null ],
    [ "data", "structcosmosb__send__item.html#a634ff494f30f39dfecc98daeea9d92fd", null ],
    [ "len", "structcosmosb__send__item.html#affe727449555d70a10a2d935a4a53f00", null ],
    [ "reserved", "structcosmosb__send__item.html#a9aa76402dad87f4f65bc13af99b5043f", null ]
];