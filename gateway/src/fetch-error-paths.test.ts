import { describe, expect, it } from '@jest/globals';
import { fetchErrorPaths } from './fetch-error-paths.js';

describe('fetchErrorPaths', () => {
  it('names each root field of a fetch by its response key, once, through fragments and conditions', () => {
    const query = /* GraphQL */ `
      query Bff__catalog__0($skipped: Boolean!) {
        __typename
        f0: products {
          nodes {
            id
          }
        }
        f1: product(id: "1") {
          id
        }
        ...Root
        f3: categories @skip(if: $skipped) {
          id
        }
        f4: categories @include(if: $skipped) {
          id
        }
      }
      fragment Root on Query {
        f2: category(slug: "kitchen") {
          id
        }
        f0: products {
          totalCount
        }
      }
    `;
    expect(fetchErrorPaths({ query, variables: { skipped: true } })).toEqual([['f0'], ['f1'], ['f2'], ['f4']]);
  });

  it('names each field of each entity of an entity fetch, by the type of its representation', () => {
    const query = /* GraphQL */ `
      query Op__catalog__1($representations: [_Any!]!) {
        _entities(representations: $representations) {
          ... on Product {
            __typename
            name
            price {
              amount
            }
          }
          ...CategoryFields
        }
      }
      fragment CategoryFields on Category {
        label: name
      }
    `;
    const representations = [
      { __typename: 'Product', id: 'p1' },
      { __typename: 'Category', id: 'c1' },
      { __typename: 'Product', id: 'p2' },
    ];
    expect(fetchErrorPaths({ query, variables: { representations } })).toEqual([
      ['_entities', 0, 'name'],
      ['_entities', 0, 'price'],
      ['_entities', 1, 'label'],
      ['_entities', 2, 'name'],
      ['_entities', 2, 'price'],
    ]);
  });

  it('names nothing for a document it cannot read', () => {
    expect(fetchErrorPaths({ query: '{ broken' })).toEqual([]);
    expect(fetchErrorPaths({})).toEqual([]);
  });
});
