var searchData=
[
  ['offset_0',['offset',['../structcosmosb__ref.html#aae046c1148daf2e1875fc4e3149f1850',1,'cosmosb_ref::offset()'],['../structcosmosb__window.html#acfca0eaef188a11358ba22d6f124257c',1,'cosmosb_window::offset()']]]
];
