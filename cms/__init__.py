"""The Wagtail site: the home page, the one base StreamBlock, the programme's site settings and the
locked page tree. Other apps may call `cms.services` (the site root, the course index's parent);
never `cms.models`."""
