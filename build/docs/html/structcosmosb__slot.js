var structcosmosb__slot =
[
    [ "data", "structcosmosb__slot.html#a3c2f295fd8115395e7bb7aa2b26eb20b", null ],
    [ "capacity", "structcosmosb__slot.html#a47c8c9e72cdb056748837e94720cda4b", null ],
    [ "token_lane", "structcosmosb__slot.html#a84e6acc782094af477dbbdc6503e4db5", null ],
    [ "token_seq", "structcosmosb__slot.html#af939e22038f52d0c99a9af27f853feb4", null ],
    [ "reserved", "structcosmosb__slot.html#a2fde4656d674faa8697304f2b66818e8", null ]
];