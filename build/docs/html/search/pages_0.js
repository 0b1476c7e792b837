var searchData=
[
  ['libcosmosb_20api_20reference_0',['libcosmosb API reference',['../index.html',1,'']]]
];
