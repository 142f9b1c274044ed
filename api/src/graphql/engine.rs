//! The one way a GraphQL request runs: [`Engine`], the schema and the request rules around
//! it. Every path — `/graphql` over HTTP, a WebSocket (as async-graphql's [`Executor`]), the
//! tests — executes through it, so the rules hold on all of them:
//!
//! - before anything runs: the request's size, cost, aliases and selections (`cost`) and NUL
//!   characters in its input (`guard`), each refusal one coded error;
//! - while it runs: the loader's batches sent when the request is idle (`batch`);
//! - after: every error coded, nulls propagated (`nulls`), `extensions.cost` set.
//!
//! These rules were schema extensions. async-graphql sends every field of every response
//! through the extension chain as soon as a schema has one extension, whatever the extension
//! does per field: a look-up of the field's type, a formatted type name per list item and a
//! boxed future per extension per field — about a tenth of the server's CPU on the
//! principal's page (BENCHMARKS.md). The schema here has none; the rules work on the request
//! before execution and on the response after it, each once.

use super::RequestContext;
use super::batch::{Batched, BatchedStream, Batches};
use super::cost::{self, Pricing};
use super::shape::Shape;
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{
    BatchRequest, BatchResponse, Data, Executor, ObjectType, Request, Response, Schema, ServerError, SubscriptionType,
    Value,
};
use futures_util::stream::{BoxStream, StreamExt};
use std::any::TypeId;
use std::sync::Arc;

/// The schema with the request rules around it (see the module docs).
pub struct Engine<Q, M, S> {
    schema: Schema<Q, M, S>,
    rules: Arc<Rules>,
}

impl<Q, M, S> Clone for Engine<Q, M, S> {
    fn clone(&self) -> Self {
        Self {
            schema: self.schema.clone(),
            rules: Arc::clone(&self.rules),
        }
    }
}

/// What the rules need to know of the schema.
struct Rules {
    pricing: Pricing,
    shape: Shape,
}

/// A request admitted to run: what it asked for, priced, and the document to read its
/// response by.
struct Admitted {
    requested: u64,
    document: ExecutableDocument,
    operation: Option<String>,
}

impl Rules {
    /// Admits `request` (parsing it once) or refuses it with one coded error.
    fn admit(&self, request: &mut Request) -> Result<Admitted, ServerError> {
        let requested = self.pricing.admit(request, &self.shape)?;
        let document = request.parsed_query()?.clone();
        super::guard::refuse_nul(&document, &request.variables)?;
        Ok(Admitted {
            requested,
            document,
            operation: request.operation_name.clone(),
        })
    }

    /// The response as clients get it: every error coded; for a request that ran, its cost
    /// and its nulls propagated.
    fn finish(&self, mut response: Response, admitted: &Admitted) -> Response {
        let request_error = is_request_error(&response);
        cost::code_errors(&mut response, request_error);
        if request_error {
            return response;
        }
        let operation = admitted.operation.as_deref();
        let actual = self
            .pricing
            .actual(&admitted.document, &self.shape, operation, &response.data);
        if !response.errors.is_empty() {
            super::nulls::propagate_nulls(&mut response, &admitted.document, &self.shape, operation);
        }
        cost::stamp(
            &mut response,
            admitted.requested,
            actual,
            self.pricing.limits().max_cost,
        );
        response
    }
}

/// Whether `response` is a request error: nothing was executed, so no error has a path and
/// there is no data (the document did not parse or validate, a variable could not be
/// coerced, a limit refused it).
pub fn is_request_error(response: &Response) -> bool {
    !response.errors.is_empty() && response.data == Value::Null && response.errors.iter().all(|e| e.path.is_empty())
}

/// The loader batches of the request context in `data`, if it holds one.
fn batches_of(data: &Data) -> Option<Arc<Batches>> {
    data.get(&TypeId::of::<RequestContext>())
        .and_then(|held| held.downcast_ref::<RequestContext>())
        .map(|context| Arc::clone(&context.batches))
}

impl<Q, M, S> Engine<Q, M, S>
where
    Q: ObjectType + 'static,
    M: ObjectType + 'static,
    S: SubscriptionType + 'static,
{
    /// `schema` (built without extensions) with requests priced by `pricing`.
    pub fn new(schema: Schema<Q, M, S>, pricing: Pricing) -> Self {
        let shape = Shape::from_sdl(&schema.sdl());
        Self {
            schema,
            rules: Arc::new(Rules { pricing, shape }),
        }
    }

    /// The schema itself (its SDL, its names).
    pub fn schema(&self) -> &Schema<Q, M, S> {
        &self.schema
    }

    /// Runs one operation, its batches not driven (the caller drives).
    async fn run(&self, mut request: Request) -> Response {
        let admitted = match self.rules.admit(&mut request) {
            Ok(admitted) => admitted,
            Err(error) => return Response::from_errors(vec![error]),
        };
        let response = self.schema.execute(request).await;
        self.rules.finish(response, &admitted)
    }

    /// Executes one request; its loader's batches are sent when it is idle if its data holds
    /// a [`RequestContext`].
    pub async fn execute(&self, request: impl Into<Request>) -> Response {
        let request = request.into();
        match batches_of(&request.data) {
            Some(batches) => Batched::new(self.run(request), batches).await,
            None => self.run(request).await,
        }
    }

    /// Executes a request of one or more operations (a JSON batch) with `context`: the
    /// operations run together and share their loader batches.
    pub async fn execute_batch(&self, batch: BatchRequest, context: &RequestContext) -> BatchResponse {
        let batch = batch.data(context.clone());
        let running = async {
            match batch {
                BatchRequest::Single(one) => BatchResponse::Single(self.run(one).await),
                BatchRequest::Batch(many) => {
                    BatchResponse::Batch(futures_util::future::join_all(many.into_iter().map(|r| self.run(r))).await)
                }
            }
        };
        Batched::new(running, Arc::clone(&context.batches)).await
    }

    /// Executes a request as a stream of responses (a subscription's events; one response
    /// for a query).
    pub fn execute_stream(&self, request: impl Into<Request>) -> BoxStream<'static, Response> {
        self.stream(request.into(), None)
    }

    fn stream(&self, mut request: Request, session: Option<Arc<Data>>) -> BoxStream<'static, Response> {
        let batches = batches_of(&request.data).or_else(|| session.as_deref().and_then(batches_of));
        let admitted = match self.rules.admit(&mut request) {
            Ok(admitted) => admitted,
            Err(error) => return futures_util::stream::once(async move { Response::from_errors(vec![error]) }).boxed(),
        };
        let rules = Arc::clone(&self.rules);
        let events = self
            .schema
            .execute_stream_with_session_data(request, session.unwrap_or_default())
            .map(move |response| rules.finish(response, &admitted));
        match batches {
            Some(batches) => BatchedStream::new(events, batches).boxed(),
            None => events.boxed(),
        }
    }
}

impl<Q, M, S> Executor for Engine<Q, M, S>
where
    Q: ObjectType + 'static,
    M: ObjectType + 'static,
    S: SubscriptionType + 'static,
{
    async fn execute(&self, request: Request) -> Response {
        Engine::execute(self, request).await
    }

    fn execute_stream(&self, request: Request, session_data: Option<Arc<Data>>) -> BoxStream<'static, Response> {
        self.stream(request, session_data)
    }
}
