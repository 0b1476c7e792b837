var structcosmosb__ref =
[
    [ "object", "structcosmosb__ref.html#ab8abe6a491f099d629e4bab62080beb0", null ],
    [ "generation", "structcosmosb__ref.html#a2c3d019dd38df9e0b11b8390a7a15403", null ],
    [ "arena_id", "structcosmosb__ref.html#aec1dfc38878511d57cda425d2392aea4", null ],
    [ "transfer", "structcosmosb__ref.html#ad7513718cb67847b057788d3f4b495cd", null ]
];