var ref_8h =
[
    [ "cosmosb_ref", "structcosmosb__ref.html", "structcosmosb__ref" ],
    [ "COSMOSB_REF_NULL", "ref_8h.html#a093c811bce9b2735c3e8ed8758791d60", null ],
    [ "cosmosb_ref_t", "ref_8h.html#a808d2370c98a48b820d2796f9446e140", null ]
];