var waitset_8h =
[
    [ "COSMOSB_WAITSET_MAX", "waitset_8h.html#a9462986857e412eef5aac6a99f175795", null ],
    [ "cosmosb_waitset_t", "waitset_8h.html#adf7b9e86fad763e2ff63fea8a45e24ff", null ],
    [ "cosmosb_waitset_create", "waitset_8h.html#a0df304841f55b7bab23719847704b1a9", null ],
    [ "cosmosb_waitset_add", "waitset_8h.html#a6fac8ad9e55e704cc5b761b9b220fbc1", null ],
    [ "cosmosb_waitset_remove", "waitset_8h.html#a76802d866beb4230e0004f93e2174a47", null ],
    [ "cosmosb_waitset_wait", "waitset_8h.html#a5a3bf28d0ed921f771c9b074d86139e5", null ],
    [ "cosmosb_waitset_destroy", "waitset_8h.html#a284c54d973aeef83868eec85fd69c903", null ]
];