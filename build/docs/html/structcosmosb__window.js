var structcosmosb__window =
[
    [ "buffer_id", "structcosmosb__window.html#a67aa3d112098ff25c75eb43d164a07f2", null ],
    [ "slice", "structcosmosb__window.html#a8f9a7c174a2fd09587a21233f64fa91f", null ],
    [ "generation", "structcosmosb__window.html#a276ae3ca202b8c41ebc640fde3157abe", null ],
    [ "rights", "structcosmosb__window.html#af3c81d979f6669c6e8408212bbc2de47", null ],
    [ "offset", "structcosmosb__window.html#acfca0eaef188a11358ba22d6f124257c", null ],
    [ "length", "structcosmosb__window.html#a72bb1fd2bbb3a7c1b370b056776be68f", null ]
];