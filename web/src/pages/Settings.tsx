import { Page } from '../components';
import type { PageProps } from '../routes';
import { KeysSection } from '../settings/KeysSection';
import { LocksSection } from '../settings/LocksSection';
import { WebhooksSection } from '../settings/WebhooksSection';
import '../settings/settings.css';

/** Administration (admin keys only; the route hides the page from others): keys, webhooks, locks and pools. */
export default function Settings(_props: PageProps) {
  return (
    <Page title="Settings">
      <div className="settings">
        <KeysSection />
        <WebhooksSection />
        <LocksSection />
      </div>
    </Page>
  );
}
