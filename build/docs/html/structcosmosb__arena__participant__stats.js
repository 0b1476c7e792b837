var structcosmosb__arena__participant__stats =
[
    [ "state", "structcosmosb__arena__participant__stats.html#a8a097411ea35e7036993851cbd879d76", null ],
    [ "self_id", "structcosmosb__arena__participant__stats.html#a8644ce8b86005e83d06f5d515fa3d91b", null ],
    [ "objects_held", "structcosmosb__arena__participant__stats.html#a0e37cf58c3e847df8404b0747129d270", null ],
    [ "transfers_live", "structcosmosb__arena__participant__stats.html#a4007f25730e5e1bff3ddf0270e36a29e", null ],
    [ "flags", "structcosmosb__arena__participant__stats.html#a2b55333b49036e82d23805b07b5fa46b", null ],
    [ "reserved", "structcosmosb__arena__participant__stats.html#a9e177a1c03ec29f81a0d40db8def8640", null ]
];