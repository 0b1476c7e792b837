var structcosmosb__ref =
[
    [ "offset", "structcosmosb__ref.html#aae046c1148daf2e1875fc4e3149f1850", null ],
    [ "generation", "structcosmosb__ref.html#a2c3d019dd38df9e0b11b8390a7a15403", null ],
    [ "arena_id", "structcosmosb__ref.html#aec1dfc38878511d57cda425d2392aea4", null ]
];