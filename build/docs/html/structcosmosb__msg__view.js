var structcosmosb__msg__view =
[
    [ "data", "structcosmosb__msg__view.html#a5cae4847a920bba28f686a2786463c80", null ],
    [ "info", "structcosmosb__msg__view.html#afef2b80c428fbf94977ee447fb2ac8a7", null ],
    [ "token_lane", "structcosmosb__msg__view.html#a5731ab1f06f1b9774bf81ad2d9d50922", null ],
    [ "token_seq", "structcosmosb__msg__view.html#ae0c12ad259b45ecf669855cdbe4f1152", null ]
];