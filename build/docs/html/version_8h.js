var version_8h =
[
    [ "COSMOSB_VERSION_MAJOR", "version_8h.html#a86b23a8c849a5652b5b31970887aaaf4", null ],
    [ "COSMOSB_VERSION_MINOR", "version_8h.html#a7167ac6c65e376bde17c53c945242afb", null ],
    [ "COSMOSB_VERSION_PATCH", "version_8h.html#a0178a9ce1a97e5fd1c756d3c838746d2", null ],
    [ "COSMOSB_VERSION_HEX", "version_8h.html#a512695aa9ae5d9fdaf2f9364eae261c6", null ],
    [ "COSMOSB_ABI_VERSION", "version_8h.html#af43cafaaec22739f81200e2e45b7f31e", null ],
    [ "cosmosb_version", "version_8h.html#ae414233cbac6a221f222a2db18d2054f", null ],
    [ "cosmosb_version_string", "version_8h.html#ad3277c6338b3e2eab9741a5dc0eb4f49", null ]
];