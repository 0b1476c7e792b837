var structcosmosb__peer__cred =
[
    [ "pid", "structcosmosb__peer__cred.html#a4336b50d97e759fde9e145999a2da27d", null ],
    [ "uid", "structcosmosb__peer__cred.html#a52b4f78eefc321228da3d08ed0b72dda", null ],
    [ "gid", "structcosmosb__peer__cred.html#a72e8cd730fc345239ccf22f4c24d3c1b", null ]
];