/** A studio URL that names no page. */
import { Link } from 'react-router';

export function NotFound() {
  return (
    <>
      <h1>Page not found</h1>
      <p>
        No studio page has this address. <Link to="/studio/">Go to the overview</Link>.
      </p>
    </>
  );
}
