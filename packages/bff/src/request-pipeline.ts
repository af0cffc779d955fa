/**
 * One BFF request, in order: the caller is identified (their token verified) once; a query
 * this process knows is looked up in the response cache and, on a hit, answered before Apollo
 * runs; the request is charged against the caller's budget once (in the lookup's own Redis
 * script when it can); whatever was learnt travels to the context in an `AdmittedRequest`.
 */
import type { EarlyOutcome, GraphQLHttpRequest, RequestInfo } from '@storefront/http-server';
import { hitAnswer, knownQuery } from './early-answer.js';
import type { BudgetHolder, RequestBudget } from './rate-limits.js';
import type { OperationProfiles, ResponseCache } from './response-cache.js';

/** Who calls, as the BFF tells from the request's credentials (one verification per request). */
export interface BffCaller {
  viewer: { id: string } | undefined;
  /** Everything besides the operation that changes an answer (the context's `cacheVariant`). */
  variant: string;
  /**
   * False when the context has work to do before anyone may be answered (a session to
   * refresh, a token to refuse with its proper error): such a request is never answered early.
   */
  settled: boolean;
}

/** What the pipeline learnt about a request it left to Apollo, handed to the context. */
export interface AdmittedRequest<Caller extends BffCaller> {
  caller: Caller;
  /** Already counted against the caller's budget (by the cache lookup). */
  charged: boolean;
  /** The public cache key looked up and missed: Apollo's pass does not look again. */
  missedKey?: string | undefined;
}

export interface RequestPipelineOptions<Caller extends BffCaller> {
  identify(request: RequestInfo): Promise<Caller>;
  cache: ResponseCache;
  profiles: OperationProfiles;
  /** The client type's request budget; none when omitted. */
  budget?: RequestBudget | undefined;
  /** The Vary header every GraphQL response of this BFF carries, if any. */
  vary?: string | undefined;
}

export function requestPipeline<Caller extends BffCaller>(options: RequestPipelineOptions<Caller>) {
  const { cache, profiles, budget } = options;

  /** A hit, or the request admitted to Apollo with its caller (charged when the lookup could). */
  async function earlyAnswer(request: RequestInfo, http: GraphQLHttpRequest): Promise<EarlyOutcome<AdmittedRequest<Caller>>> {
    const caller = await options.identify(request);
    const query = caller.settled ? knownQuery(request, http, profiles) : undefined;
    if (!query) return { admitted: { caller, charged: false } };
    const keys = cache.keys({ ...query, variant: caller.variant, viewerId: caller.viewer?.id });
    const holder = { userId: caller.viewer?.id, ip: request.ip };
    const counter = budget?.lookupCounter(holder);
    const [read, chargedApart] = await Promise.all([
      cache.read(keys, counter),
      counter || !budget ? undefined : budget.tryCharge(holder),
    ]);
    // A refused budget is charged again on Apollo's pass, which answers with its RATE_LIMITED error.
    const charged =
      !budget || (counter ? read.consumed !== undefined && budget.settle(counter, read.consumed) : chargedApart === true);
    if (!charged) return { admitted: { caller, charged: false } };
    if (!read.entry) return { admitted: { caller, charged: true, missedKey: keys.public } };
    cache.count('hit');
    return { answer: hitAnswer(read.entry, options.vary) };
  }

  /** The request as admitted by `earlyAnswer`, or identified now when it did not look (no GraphQL body to judge). */
  async function admitted(request: RequestInfo, early: AdmittedRequest<Caller> | undefined): Promise<AdmittedRequest<Caller>> {
    return early ?? { caller: await options.identify(request), charged: false };
  }

  /** Charges a request the lookup did not (a miss on another Redis, a mutation, a subscription, a refusal). */
  async function charge(request: AdmittedRequest<Caller>, holder: BudgetHolder): Promise<void> {
    if (budget && !request.charged) await budget.charge(holder);
  }

  return { earlyAnswer, admitted, charge };
}
