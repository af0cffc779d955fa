/**
 * What resolvers and domain services of every tier share: failures with a public code
 * (DomainError and its makers, which the servers' error masking lets through), the id check,
 * and the DateTime scalar.
 */
export { DomainError, badUserInput, forbidden, isTransientDatabaseError, isUuid, notFound, unauthenticated } from './errors.js';
export { DateTime } from './scalars.js';
