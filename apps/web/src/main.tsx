import { ApolloProvider } from '@apollo/client/react';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router';
import { App } from './App.js';
import { createApolloClient } from './lib/apollo.js';
import { loadRuntimeConfig } from './lib/runtime-config.js';
import './styles.css';

const config = await loadRuntimeConfig();
const client = createApolloClient(config.bffUrl);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ApolloProvider client={client}>
      <BrowserRouter>
        <App />
      </BrowserRouter>
    </ApolloProvider>
  </StrictMode>,
);
