/**
 * "Add a backend": the vendor, then what that vendor needs (manual: a name; the others: a name, the API's URL
 * and the credential, typed once into a password field). The form checks what it can (the engine's own rules),
 * then the engine tests the credential at the vendor; a refusal is shown as the engine words it.
 */
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import type { BackendType, NewBackendInput } from '../../../shared/domain.js';
import { MAX_POLICY_DAYS } from '../../../shared/rules.js';
import { useBackends } from '../state/context.js';
import { actionKey, IDLE } from '../state/backends-store.js';
import { Field, focusFirstInvalid } from './controls.js';
import { checkAddBackend, parseDays, VENDOR_ORDER, VENDORS, type FieldErrors } from './vendors.js';
import { IsolatedText } from '../lib/IsolatedText.js';

export function AddBackendForm({ onClose, onAdded }: { onClose: () => void; onAdded: () => void }) {
  const add = useBackends((state) => state.add);
  const clearAction = useBackends((state) => state.clearAction);
  const backends = useBackends((state) => state.backends);
  const action = useBackends((state) => state.actions[actionKey('add')] ?? IDLE);
  const [type, setType] = useState<BackendType>('commbox');
  const [name, setName] = useState('');
  const [url, setUrl] = useState('');
  // Typed once; sent with the add and then dropped with the form. Never kept in a store.
  const [credential, setCredential] = useState('');
  const [policy, setPolicy] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const formRef = useRef<HTMLFormElement>(null);
  const engineErrorId = useId();
  const vendor = VENDORS[type];

  useEffect(() => {
    // Opened: the vendor choice takes the focus (the form is where the administrator is now).
    formRef.current?.querySelector<HTMLInputElement>('input[name="backend-type"]:checked')?.focus();
    return () => clearAction('add');
  }, [clearAction]);

  const chooseType = (next: BackendType) => {
    setType(next);
    // A credential for one vendor means nothing to another.
    setCredential('');
    setErrors({});
    clearAction('add');
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (action.busy) return;
    const found = checkAddBackend(
      { type, name, url, credential, policy },
      (backends ?? []).map((backend) => backend.name),
    );
    setErrors(found);
    if (Object.keys(found).length > 0) {
      focusFirstInvalid(formRef.current);
      return;
    }
    const parsedPolicy = policy.trim() ? parseDays(policy) : null;
    const input: NewBackendInput = { name: name.trim(), type };
    if (vendor.needsUrl) input.url = url.trim();
    if (vendor.credentialLabel) input.credential = credential;
    if (parsedPolicy && 'days' in parsedPolicy) input.rotateEveryDays = parsedPolicy.days;
    if (await add(input)) onAdded();
  };

  const engineError = action.error;
  const described = engineError ? engineErrorId : undefined;
  return (
    <section className="add-panel" aria-labelledby="add-heading">
      <h2 id="add-heading">Add a backend</h2>
      <form ref={formRef} onSubmit={(event) => void submit(event)} noValidate aria-describedby={described}>
        <fieldset className="type-choices">
          <legend>Vendor</legend>
          {VENDOR_ORDER.map((candidate) => (
            <label key={candidate} className={candidate === type ? 'type-choice selected' : 'type-choice'}>
              <input type="radio" name="backend-type" value={candidate} checked={candidate === type} onChange={() => chooseType(candidate)} />
              <span className="type-name">{VENDORS[candidate].label}</span>
              <span className="type-summary muted">{VENDORS[candidate].summary}</span>
            </label>
          ))}
        </fieldset>
        <div className="field-grid">
          <Field
            label="Name"
            autoComplete="off"
            spellCheck={false}
            value={name}
            onChange={(event) => setName(event.target.value)}
            hint={
              <>
                Lowercase letters, digits, “.”, “_” or “-”, up to 63. It starts each key’s reference, e.g. <code>{name.trim() || 'acme'}/…</code>
              </>
            }
            error={errors.name}
          />
          {vendor.needsUrl && (
            <Field
              label={`${vendor.label} API URL`}
              type="url"
              autoComplete="off"
              spellCheck={false}
              placeholder={vendor.urlExample}
              value={url}
              onChange={(event) => setUrl(event.target.value)}
              hint="https:// (plain http:// only for this machine)."
              error={errors.url}
            />
          )}
          {vendor.credentialLabel && (
            <Field
              label={vendor.credentialLabel}
              type="password"
              autoComplete="off"
              spellCheck={false}
              value={credential}
              onChange={(event) => setCredential(event.target.value)}
              hint={`${vendor.credentialHint} Tested at ${vendor.label} before it is stored, encrypted; never shown again.`}
              error={errors.credential}
            />
          )}
          <Field
            className="narrow"
            label="Rotation policy in days (optional)"
            inputMode="numeric"
            value={policy}
            onChange={(event) => setPolicy(event.target.value)}
            hint={`Empty: ${vendor.defaultPolicyWords}. Otherwise 1 to ${MAX_POLICY_DAYS} days after a key’s creation.`}
            error={errors.policy}
          />
        </div>
        <p id={engineErrorId} className="form-error" role="alert" hidden={!engineError}>
          {engineError && (
            <>
              <strong>Not added:</strong> <IsolatedText text={engineError} lines />
            </>
          )}
        </p>
        <div className="form-buttons">
          <button type="submit" className="button primary" aria-disabled={action.busy || undefined} aria-busy={action.busy || undefined} aria-describedby={described}>
            {action.busy ? (vendor.credentialLabel ? `Testing the credential at ${vendor.label}…` : 'Adding…') : vendor.credentialLabel ? 'Test and add' : 'Add backend'}
          </button>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </section>
  );
}
