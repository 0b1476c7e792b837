var searchData=
[
  ['cosmosb_5ferr_0',['cosmosb_err',['../error_8h.html#a798a4b5aa10856c30f018db8c5e7866b',1,'error.h']]]
];
