var structcosmosb__wait__token =
[
    [ "addr", "structcosmosb__wait__token.html#a1897fa7166dd43e88d97ff835807f6e8", null ],
    [ "expected", "structcosmosb__wait__token.html#a3c5527a75f94381ed2168eed88631a7e", null ],
    [ "reserved", "structcosmosb__wait__token.html#aa55f14fc91fd3f42552593e52acd359a", null ]
];