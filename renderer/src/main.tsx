import { StrictMode } from 'react';
import { config } from 'zod';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import { connect } from './connection.js';
import { SessionGate } from './shell/SessionGate.js';
import './styles.css';
import './buttons.css';

// The contract's schemas check every answer; zod's compiled parsers need eval, which the page's CSP forbids.
config({ jitless: true });

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
const connection = connect();
createRoot(root).render(
  <StrictMode>
    <SessionGate session={connection.session}>
      <App connection={connection} />
    </SessionGate>
  </StrictMode>,
);
