import { ApiFailure, signOut } from './billing-api.js';
import { el, setText } from './dom.js';

/** Sign-out ends the session on the server and removes the cookie; the page says so and offers the way back. */
export function signOutOfBilling(stopRefreshing: () => void): void {
  const button = el<HTMLButtonElement>('sign-out');
  button.disabled = true;
  signOut()
    .catch((err: unknown) => {
      // A session that already ended is signed out all the same.
      if (!(err instanceof ApiFailure && err.status === 401)) throw err;
    })
    .then(() => {
      stopRefreshing();
      const heading = document.createElement('h1');
      heading.textContent = 'You have signed out of billing';
      heading.tabIndex = -1;
      const back = document.createElement('a');
      back.href = el<HTMLAnchorElement>('back').href;
      back.textContent = 'Back to your account';
      const p = document.createElement('p');
      p.append(back);
      const main = el('main');
      main.className = 'message';
      main.replaceChildren(heading, p);
      heading.focus();
    })
    .catch((err: unknown) => {
      button.disabled = false;
      setText(el('balance-status'), `Signing out failed (${err instanceof Error ? err.message : 'network error'}); try again.`);
    });
}
