var structcosmosb__msg__info =
[
    [ "type_id", "structcosmosb__msg__info.html#aadb5a75c153751b9ececc5e9e6cf5f0c", null ],
    [ "len", "structcosmosb__msg__info.html#a498a63ca3e776262d5cfbc9851aa48c8", null ],
    [ "flags", "structcosmosb__msg__info.html#a510d2ca5dddfe0903855dda7d4909c00", null ],
    [ "producer", "structcosmosb__msg__info.html#a410ba5cbc40d1e777904f6a114fa47e7", null ],
    [ "reserved", "structcosmosb__msg__info.html#ae27907529f268b77b829dc8152fa6972", null ]
];