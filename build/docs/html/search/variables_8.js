var searchData=
[
  ['info_0',['info',['../structcosmosb__msg__view.html#afef2b80c428fbf94977ee447fb2ac8a7',1,'cosmosb_msg_view::info()'],['../structcosmosb__recv__item.html#a09adc50e39529067a6d318bb631aa35e',1,'cosmosb_recv_item::info()']]]
];
