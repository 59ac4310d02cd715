"""BigBlueButton: every byte of its HTTP, both ways.

- `client`: checksummed API calls and downloads, one error path (BbbError); only `live.rooms` imports it;
- `backend`: the room (BbbRoom): create with our callbacks, join URLs, isMeetingRunning, end;
- `webhooks`: our hook registered with bbb-webhooks, and the checks of what BBB sends us
  (webhook checksums, the analytics' and recording-ready JWTs);
- `events`: webhook events and post-meeting analytics stored as raw attendance events;
- `recordings`: a finished recording fetched and attached as a draft lecture."""
