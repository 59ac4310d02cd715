"""The address book of the regions' youth-policy bodies (issue 15 §5): one body per region with the
addresses the regional dossiers of finalists are e-mailed to. Other apps read it through
`lms.youthbodies.selectors`; staff change it through `lms.youthbodies.services`."""
