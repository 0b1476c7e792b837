var files_dup =
[
    [ "cosmosb", "dir_190d5f4ce4a617a86a7b67580464c1fc.html", "dir_190d5f4ce4a617a86a7b67580464c1fc" ]
];