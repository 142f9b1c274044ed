// staffgraph's GraphiQL: every file it needs is served by the staffgraph binary itself
// (see README.md beside this file), so the page works with no internet.
//
// The URL carries the editors' state (`?query=…&variables=…&operationName=…`), so a query can
// be shared as a link; a bearer token goes in the Headers tab as
// {"Authorization": "Bearer <token>"} and is kept by GraphiQL in this browser only; it is sent
// on subscriptions' sockets too.
(function () {
  "use strict";
  var params = new URLSearchParams(window.location.search);

  function remember(name) {
    return function (value) {
      if (value) {
        params.set(name, value);
      } else {
        params.delete(name);
      }
      var search = params.toString();
      window.history.replaceState(null, "", window.location.pathname + (search ? "?" + search : ""));
    };
  }

  // Subscriptions go over a WebSocket to /graphql/ws (graphql-transport-ws); the Headers tab's
  // {"Authorization": "Bearer <token>"} is sent as the connection's payload.
  var socket = new URL("/graphql/ws", window.location.href);
  socket.protocol = socket.protocol === "https:" ? "wss:" : "ws:";
  var fetcher = GraphiQL.createFetcher({
    url: new URL("/graphql", window.location.href).toString(),
    subscriptionUrl: socket.toString(),
  });
  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: "# staffgraph: the district's staff evaluation and survey data.\n" +
        "# Without a token you are PUBLIC; add {\"Authorization\": \"Bearer <token>\"} under Headers.\n" +
        "# A school year is named by the year it ends: 2026 is 2025-26 (the demo district's).\n" +
        "{\n  planMeasures(schoolYear: 2026) {\n    code\n    title\n    rate\n    target\n    met\n  }\n}\n",
      query: params.get("query") || undefined,
      variables: params.get("variables") || undefined,
      operationName: params.get("operationName") || undefined,
      onEditQuery: remember("query"),
      onEditVariables: remember("variables"),
      onEditOperationName: remember("operationName"),
      defaultEditorToolsVisibility: true,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: true,
    })
  );
})();
